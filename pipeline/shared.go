package pipeline

import (
	"context"
	"encoding/json"
	"time"

	"github.com/beckonhq/beckon/message"
)

// Shared mode: other processes share the store (store.Sharing). A message
// is pushed to this process's streams and announced to the others, each
// of which offers it to its own streams; the replay queue is the store's,
// and the widget's ack, to whichever process, marks it delivered. Replies
// are announced too, so that every process's watchers (the console's
// inbox) see all of the workspace's activity. Webhook deliveries are
// claimed before they are sent, so that one process sends each, and a
// claim left by a process that died runs out.

// note is activity on one process, as announced to the others.
type note struct {
	From    string           `json:"from"`
	Message *message.Message `json:"message,omitempty"`
	Reply   *message.Reply   `json:"reply,omitempty"`
}

// claimLease is how long a claimed delivery is left to its process: an
// attempt's timeout and some.
func (p *Pipeline) claimLease() time.Duration { return p.opt.Timeout + 5*time.Second }

// announce tells the other processes of a, for the streams and watchers
// they hold.
func (p *Pipeline) announce(ws string, a Activity) {
	raw, err := json.Marshal(note{From: p.self, Message: a.Message, Reply: a.Reply})
	if err == nil {
		err = p.store.Publish(context.Background(), ws, raw)
	}
	if err != nil {
		p.log.Error("announce to the other processes", "workspace", ws, "err", err)
	}
}

// listen hears the activity of the other processes of ws, until ctx ends.
func (p *Pipeline) listen(ctx context.Context, ws string) {
	err := p.store.Listen(ctx, ws, func(raw []byte) {
		var n note
		if json.Unmarshal(raw, &n) != nil || n.From == p.self || (n.Message == nil) == (n.Reply == nil) {
			return
		}
		p.publish(ws, Activity{Message: n.Message, Reply: n.Reply})
		if n.Message != nil && p.hub.offer(streamKey{ws, n.Message.VisitorID}, n.Message) > 0 {
			p.opt.OnDelivery(ws, DeliveryPushed) // delivered once the widget acks it, through any process
		}
	})
	if err != nil {
		p.log.Error("listen to the other processes", "workspace", ws, "err", err)
	}
}
