package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/beckonhq/beckon/store"
)

// errEndpointGone marks a delivery whose URL is no longer configured for
// its workspace; there is nobody left to retry for.
var errEndpointGone = errors.New("endpoint no longer configured")

// post makes one delivery attempt. t in the signature is this attempt's
// time, so receivers can reject replays of old requests.
func (p *Pipeline) post(ctx context.Context, secret string, d *store.Delivery) error {
	ctx, cancel := context.WithTimeout(ctx, p.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Beckon-Webhooks/1")
	req.Header.Set("Beckon-Event", d.Event)
	req.Header.Set("Beckon-Delivery", d.EventID)
	req.Header.Set("Beckon-Signature", Sign(secret, p.opt.Clock().Unix(), d.Body))
	resp, err := p.opt.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	// Drain a little so the connection can be reused; the answer's body
	// carries no meaning.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("post: answered %d", resp.StatusCode)
	}
	return nil
}
