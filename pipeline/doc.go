// Package pipeline owns what happens to a message after the engine decides to
// send it: the durable message record and its status (sent → delivered →
// read), delivery to the visitor's open widget streams, and the webhooks that
// tell a workspace's own systems what happened.
//
// # Durability
//
// Sender.Stage adds the message record and the live_chat.message_sent
// deliveries to the engine's own commit (a store.Batch that also holds the
// visitor's new state), so a message is durable exactly when the engine's
// memory of sending it is. Sender.Deliver runs after that commit and
// pushes the message to open streams. A message becomes "delivered" only
// when the widget acknowledges it (Ack): a stream whose connection died
// silently takes messages too, so until the receipt the message stays
// "sent" and queued, and the next stream gets it again (widgets
// de-duplicate by message_id). AwaitDelivered lets an API send wait briefly
// for that receipt. Acks and replies are committed before their call
// returns. Where things are kept is the store's
// business (see store.Store and docs/server.md).
//
// # Webhooks
//
// Each event is one JSON body, queued once per subscribed endpoint. A
// delivery is a POST signed with Beckon-Signature (see Sign and Verify); 2xx
// is success, anything else is retried with exponential backoff and jitter
// until Options.MaxAge after the event was created, then moved to the
// dead letters. Body shapes are documented on Event and its data types.
// The events about one message go to an endpoint in the order they were
// queued (their deliveries share the message id as their store.Delivery
// Order). An endpoint holds at most Options.MaxOutbox deliveries waiting;
// past that, its new events are refused with ErrOutboxFull
// (VisitorResponded returns it; message_sent and message_status events are
// logged and dropped so the chat itself never stops), and the dead letters
// keep the newest Options.MaxDeadLetters.
package pipeline
