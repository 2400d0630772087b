package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false,
	"write the widget screenshots the tests take to docs/img (for the README)")

// visit opens a page (a path of the demo site, or a full URL) and waits
// until the server knows its visitor; it returns the visitor's id.
func (s *site) visit(page string) string {
	s.t.Helper()
	if strings.HasPrefix(page, "/") {
		page = s.url + page
	}
	s.run("open "+page, chromedp.Navigate(page))
	var id string
	s.until("the beacon has a visitor id", func() error {
		id = eval[string](s, "the visitor id", `(window.beckon && window.beckon.visitorId) || ''`)
		if id == "" {
			return fmt.Errorf("no window.beckon.visitorId yet")
		}
		return nil
	})
	s.until("the server knows the visitor", func() error {
		_, err := s.visitor(id)
		return err
	})
	return id
}

// say sends a message through the API, with quick replies of these labels
// (their values are the labels in lower case, spaces as _); it returns
// the message id.
func (s *site) say(visitorID, message string, labels ...string) string {
	s.t.Helper()
	qrs := []map[string]string{}
	for _, l := range labels {
		qrs = append(qrs, map[string]string{"text": l, "value": strings.ReplaceAll(strings.ToLower(l), " ", "_")})
	}
	body, _ := json.Marshal(map[string]any{"visitor_id": visitorID, "message": message, "quick_replies": qrs,
		"options": map[string]any{"override_frequency_cap": true}})
	a := s.api("POST", "/v1/outbound/live-chat/message", string(body))
	if a.status != http.StatusOK {
		s.t.Fatalf("send: %d %s", a.status, a.raw)
	}
	id, _ := a.data()["message_id"].(string)
	return id
}

// visible is a JavaScript test that the element a selector finds is shown.
func visible(selector string) string {
	return fmt.Sprintf(`(e => !!e && e.checkVisibility())(document.querySelector(%q))`, selector)
}

// waitFor polls a JavaScript condition until it is true.
func (s *site) waitFor(what, cond string) {
	s.t.Helper()
	s.run(what, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(50*time.Millisecond)))
}

// check fails the test unless a JavaScript condition is true now.
func (s *site) check(what, cond string) {
	s.t.Helper()
	if !eval[bool](s, what, cond) {
		s.t.Errorf("%s: %s is false", what, cond)
	}
}

// text is the text of the element a selector finds.
func (s *site) text(selector string) string {
	s.t.Helper()
	return eval[string](s, "the text of "+selector, fmt.Sprintf(`(e => e ? e.textContent : '<none>')(document.querySelector(%q))`, selector))
}

// status polls the API until the message has the status.
func (s *site) status(sessionID, messageID, want string) {
	s.t.Helper()
	s.until("message "+messageID+" is "+want, func() error {
		a := s.api("GET", "/v1/sessions/"+sessionID+"/messages", "")
		list, _ := a.data()["messages"].([]any)
		for _, m := range list {
			if obj(m)["message_id"] == messageID && obj(m)["direction"] == "outbound" {
				if obj(m)["status"] == want {
					return nil
				}
				return fmt.Errorf("status %v", obj(m)["status"])
			}
		}
		return fmt.Errorf("no message %s: %s", messageID, a.raw)
	})
}

// screenshot takes a picture of the viewport and checks that it is a PNG
// of the expected size; with -update-screenshots it is saved as
// docs/img/NAME.png for the README.
func (s *site) screenshot(name string, width, height int) {
	s.t.Helper()
	shot, err := chromedp.Run(s.tab, chromedp.CaptureScreenshot())
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	img, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil || img.Width != width || img.Height != height {
		s.t.Fatalf("screenshot %s: %dx%d (%v), want %dx%d", name, img.Width, img.Height, err, width, height)
	}
	if !*updateScreenshots {
		return
	}
	path := filepath.Join("..", "docs", "img", name+".png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("wrote %s", path)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
