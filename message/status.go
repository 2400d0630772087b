package message

import (
	"errors"
	"fmt"
)

// Status is where a message is on its way to the visitor. It only moves
// forward: Sent → Delivered → Read.
type Status int

const (
	StatusUnknown   Status = iota
	StatusSent             // recorded; no widget has it yet
	StatusDelivered        // a widget stream took it, or the widget acked it
	StatusRead             // the widget reported the visitor saw it
)

var statusNames = [...]string{"unknown", "sent", "delivered", "read"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// ErrInvalidStatus is returned for a status name other than sent,
// delivered or read.
var ErrInvalidStatus = errors.New("message: invalid status")

// ParseStatus turns "sent", "delivered" or "read" into a Status.
func ParseStatus(name string) (Status, error) {
	for i, n := range statusNames[1:] {
		if n == name {
			return Status(i + 1), nil
		}
	}
	return StatusUnknown, fmt.Errorf("%w %q", ErrInvalidStatus, name)
}

// MarshalText writes the status's name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a status's name.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
