package main

import (
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"sync"
	"syscall"
)

// staleRun gives each visitor a page view and, at once, an unsolicited API
// send, from many workers; stops the server cleanly; starts it again and
// checks that a second unsolicited send answers 409 for every visitor
// whose first was acknowledged.
func staleRun(o options, out io.Writer) ([]string, error) {
	dir, err := os.MkdirTemp("", "beckon-crash-data-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	hs := httptest.NewServer(newHooks())
	defer hs.Close()
	s, err := newServer(o.beckon, dir, hs.URL+"/hooks", "")
	if err != nil {
		return nil, err
	}
	if err := s.start(); err != nil {
		return nil, err
	}
	sent := make([]bool, o.visitors)
	var wg sync.WaitGroup
	for w := range o.workers {
		wg.Go(func() {
			for i := w; i < o.visitors; i += o.workers {
				id := fmt.Sprintf("stale-%d", i)
				if s.collect(id, "/other") != 202 {
					continue
				}
				code, _ := s.send(id, "")
				sent[i] = code == 200
			}
		})
	}
	wg.Wait()
	s.stop(syscall.SIGTERM)
	if err := s.start(); err != nil {
		return nil, err
	}
	defer s.stop(syscall.SIGTERM)
	var problems []string
	acked, again := 0, 0
	for i, ok := range sent {
		if !ok {
			continue
		}
		acked++
		id := fmt.Sprintf("stale-%d", i)
		if code, _ := s.send(id, ""); code != 409 {
			again++
			problems = append(problems, fmt.Sprintf("%s: a second unsolicited send after the restart answered %d, want 409", id, code))
		}
	}
	fmt.Fprintf(out, "%d visitors, %d workers: %d first sends acknowledged; after a clean restart %d second sends answered other than 409\n",
		o.visitors, o.workers, acked, again)
	return problems, nil
}
