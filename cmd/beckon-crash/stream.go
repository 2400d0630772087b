package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// sse is a widget's open stream.
type sse struct {
	resp   *http.Response
	lines  *bufio.Scanner
	cancel context.CancelFunc
}

// openStream opens a visitor's stream and waits until the server has it
// (its first line comes once it is subscribed).
func (s *server) openStream(visitor string) (*sse, error) {
	ctx, cancel := context.WithCancel(context.Background())
	u := fmt.Sprintf("%s/v1/stream?site=%s&visitor_id=%s%s", s.base, site, url.QueryEscape(visitor), tokenParam(visitor))
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := streamClient.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	st := &sse{resp: resp, lines: bufio.NewScanner(resp.Body), cancel: cancel}
	if resp.StatusCode != 200 || !st.lines.Scan() {
		st.close()
		return nil, fmt.Errorf("stream answered %d", resp.StatusCode)
	}
	return st, nil
}

var streamClient = &http.Client{}

// next waits up to limit for a message and returns its id.
func (st *sse) next(limit time.Duration) (string, error) {
	timer := time.AfterFunc(limit, st.cancel)
	defer timer.Stop()
	for st.lines.Scan() {
		line := st.lines.Text()
		if !strings.HasPrefix(line, "data: ") {
			continue
		}
		var m struct {
			MessageID string `json:"message_id"`
		}
		if err := json.Unmarshal([]byte(line[len("data: "):]), &m); err != nil {
			return "", err
		}
		return m.MessageID, nil
	}
	if err := st.lines.Err(); err != nil {
		return "", err
	}
	return "", errors.New("the stream ended")
}

func (st *sse) close() {
	st.cancel()
	st.resp.Body.Close()
}
