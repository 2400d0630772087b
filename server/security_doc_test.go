package server

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// docLimits reads the rows of the Limits table of docs/security.md: the
// limit's name → its default and its config key.
func docLimits(t *testing.T) map[string][2]string {
	data, err := os.ReadFile("../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(data), "\n## Limits\n")
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string][2]string{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 4 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") {
			continue
		}
		name := strings.TrimSpace(cells[0])
		rows[name] = [2]string{strings.TrimSpace(cells[1]), strings.Trim(strings.TrimSpace(cells[2]), "`")}
	}
	delete(rows, "limit") // the header
	return rows
}

// The security page's limits are the code's: every configurable limit is
// listed under its key with its default, and the fixed ones the server
// owns have the values of its constants.
func TestSecurityDocLimits(t *testing.T) {
	d := Limits{}.withDefaults()
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	want := map[string]string{
		"API requests per API key, per second":      num(d.APIPerSecond),
		"API request burst":                         fmt.Sprint(d.APIBurst),
		"public requests per client IP, per second": num(d.CollectPerSecond),
		"public request burst":                      fmt.Sprint(d.CollectBurst),
		"replies per visitor, per second":           num(d.ReplyPerSecond),
		"reply burst":                               fmt.Sprint(d.ReplyBurst),
		"acks per visitor, per second":              num(d.AckPerSecond),
		"ack burst":                                 fmt.Sprint(d.AckBurst),
		"open streams in all":                       fmt.Sprint(d.MaxStreams),
		"open streams per site":                     fmt.Sprintf("%d with one site, else %d", d.streamsPerSite(1), d.streamsPerSite(2)),
		"open streams per client IP":                fmt.Sprint(d.MaxStreamsPerIP),
		"outbound API body":                         fmt.Sprintf("%d KiB", maxAPIBody>>10),
		"collect body":                              fmt.Sprintf("%d KiB", maxCollectBody>>10),
		"events per collect":                        fmt.Sprint(maxBatch),
		"reply and ack body":                        fmt.Sprintf("%d KiB", maxWidgetBody>>10),
		"message":                                   fmt.Sprintf("%d characters", maxMessage),
		"quick replies per message":                 fmt.Sprint(maxQuickReplies),
		"quick-reply label":                         fmt.Sprintf("%d characters", maxLabel),
		"ids, values, actions, attribute names":     fmt.Sprintf("%d bytes", maxToken),
		"attributes per event":                      fmt.Sprint(maxAttributes),
		"attribute value":                           fmt.Sprintf("%d KiB of JSON", maxAttrValue>>10),
		"url, referrer":                             fmt.Sprintf("%d bytes", maxURL),
		"page title":                                fmt.Sprintf("%d characters", maxTitle),
		"Idempotency-Key":                           fmt.Sprintf("%d characters, kept %d hours", maxIdemKey, idemTTL/time.Hour),
		"API send waiting for the widget's receipt": fmt.Sprintf("%d s", withDefaults(Options{}).AckWait/time.Second),
		"console session":                           fmt.Sprintf("%d hours", consoleTTL/time.Hour),
		"console form body":                         fmt.Sprintf("%d KiB", consoleMaxForm>>10),
		"attributes kept per visitor":               fmt.Sprint(d.MaxAttributes),
		"attribute bytes kept per visitor":          fmt.Sprint(d.MaxAttributeBytes),
	}
	rows := docLimits(t)
	for name, value := range want {
		if got, ok := rows[name]; !ok || got[0] != value {
			t.Errorf("docs/security.md: %q is %q, want %q", name, got[0], value)
		}
	}
	keys := map[string]bool{}
	for _, row := range rows {
		keys[row[1]] = true
	}
	lt := reflect.TypeOf(Limits{})
	for i := range lt.NumField() {
		if key := "limits." + lt.Field(i).Tag.Get("yaml"); !keys[key] {
			t.Errorf("docs/security.md does not list %s", key)
		}
	}
}
