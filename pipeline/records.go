package pipeline

import (
	"errors"
	"fmt"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// ErrNotFound is returned for a message that does not exist in the
// workspace, or that belongs to another visitor.
var ErrNotFound = errors.New("pipeline: message not found")

// notFound turns the store's ErrNotFound into the pipeline's.
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// Message returns a stored message with its current status.
func (p *Pipeline) Message(ws, id string) (message.Record, error) {
	r, err := p.store.Message(ws, id)
	if err != nil {
		return message.Record{}, fmt.Errorf("pipeline: %w", notFound(err))
	}
	return r, nil
}

// Status returns a message's current status.
func (p *Pipeline) Status(ws, id string) (message.Status, error) {
	r, err := p.Message(ws, id)
	return r.Status, err
}

// SessionMessages lists a session's messages in send order. An unknown
// session has none.
func (p *Pipeline) SessionMessages(ws, sessionID string) ([]message.Record, error) {
	out, err := p.store.SessionMessages(ws, sessionID)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return out, nil
}
