package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
)

// phone is a 390×844 touch screen at twice the pixels, with a phone's
// user agent, so the beacon reports a mobile device.
type phone struct{}

func (phone) Device() device.Info {
	return device.Info{Name: "phone", Width: 390, Height: 844, Scale: 2, Mobile: true, Touch: true,
		UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"}
}

// rect is an element's box in CSS pixels.
type rect struct{ Left, Top, Right, Bottom float64 }

func (s *site) rect(selector string) rect {
	s.t.Helper()
	return eval[rect](s, "the box of "+selector, `(r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}))(document.querySelector(`+
		quoteJS(selector)+`).getBoundingClientRect())`)
}

func quoteJS(s string) string { return "'" + s + "'" }

// On a phone a proactive message is a small card above the launcher, not
// a panel over the page; the panel, once opened, takes the whole screen,
// and six quick replies wrap inside it.
func TestPhonePreviewAndPanel(t *testing.T) {
	s := startSite(t)
	s.run("emulate a phone", chromedp.Emulate(phone{}))
	visitorID := s.visit("/services/ac-repair")
	v, err := s.visitor(visitorID)
	if err != nil {
		t.Fatal(err)
	}
	if v["device"] != "mobile" {
		t.Errorf("visitor device %v, want mobile", v["device"])
	}
	s.say(visitorID, "Hi! Is your AC blowing warm air? We have a technician near you this afternoon, and same-day slots until 6pm.",
		"Get a Quote", "Schedule a Visit Today", "Call Now", "Maintenance Plans", "Financing Options", "No Thanks")
	s.waitFor("the preview appears", visible("#beckon-preview"))
	s.check("the panel stays closed", `!`+visible("#beckon-panel"))
	card := s.rect("#beckon-preview")
	if area := (card.Right - card.Left) * (card.Bottom - card.Top); area > 0.2*390*844 {
		t.Errorf("the preview covers %.0f%% of the screen, want at most 20%%", 100*area/(390*844))
	}
	if card.Left < 0 || card.Right > 390 || card.Bottom > 844 {
		t.Errorf("the preview %+v leaves the 390×844 screen", card)
	}
	s.screenshot("widget-phone", 780, 1688)

	s.run("tap the card", chromedp.Click(chromedp.ID("beckon-preview-open")))
	s.waitFor("the panel opens", visible("#beckon-panel"))
	if p := s.rect("#beckon-panel"); p != (rect{0, 0, 390, 844}) {
		t.Errorf("the open panel is %+v, want the whole 390×844 screen", p)
	}
	s.check("the launcher makes way", `!`+visible("#beckon-launcher"))
	s.check("no keyboard pops up", `document.activeElement.id === 'beckon-panel'`)
	s.checkChipsWrap()
	s.screenshot("widget-phone-open", 780, 1688)

	s.run("close", chromedp.Click(chromedp.CSS("#beckon-panel .bk-x")))
	s.waitFor("the launcher is back", visible("#beckon-launcher"))
	s.check("the panel is closed", `!`+visible("#beckon-panel"))
}

// checkChipsWrap checks that the quick replies sit on several rows inside
// the message log, with no label cut and nothing to scroll sideways.
func (s *site) checkChipsWrap() {
	s.t.Helper()
	got := eval[map[string]any](s, "the quick replies", `(() => {
		const log = document.getElementById('beckon-log').getBoundingClientRect();
		const chips = Array.from(document.querySelectorAll('.beckon-quick-reply'));
		return {
			count: chips.length,
			rows: new Set(chips.map(c => Math.round(c.getBoundingClientRect().top))).size,
			inside: chips.every(c => { const r = c.getBoundingClientRect(); return r.left >= log.left && r.right <= log.right; }),
			uncut: chips.every(c => c.scrollWidth <= c.clientWidth),
			noSideScroll: document.getElementById('beckon-log').scrollWidth <= document.getElementById('beckon-log').clientWidth,
		};
	})()`)
	if got["count"] != 6.0 || got["rows"].(float64) < 2 || got["inside"] != true || got["uncut"] != true || got["noSideScroll"] != true {
		s.t.Errorf("quick replies: %v, want 6 on 2 or more rows, inside the log, none cut, no sideways scroll", got)
	}
}
