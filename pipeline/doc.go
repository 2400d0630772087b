// Package pipeline owns what happens to a message after the engine decides to
// send it: the durable message record and its status (sent → delivered →
// read), delivery to the visitor's open widget streams, and the webhooks that
// tell a workspace's own systems what happened.
//
// # Durability
//
// Sender.Stage writes the message record, its session index, the visitor's
// undelivered-queue entry and the live_chat.message_sent outbox entries in
// the engine's own transaction, so a message is durable exactly when the
// engine's memory of sending it is. Sender.Deliver runs after that commit and
// pushes the message to open streams. When a stream takes it, the message is
// "delivered" in memory at once and the change is written by a background
// db.Batch (bbolt's batch delay is 10 ms, plus one synced commit of ~2 ms);
// Close waits for those writes. If the process dies inside that window the
// message stays "sent" and queued, so the widget gets it again on its next
// stream (widgets de-duplicate by message_id). Acks and replies are written
// before their call returns.
//
// # Bucket layout
//
// Every bucket path starts with the workspace id:
//
//	[ws, "messages"]          message id → Record (JSON)
//	[ws, "session_messages"]  session id + "/" + %020d seq → message id
//	[ws, "undelivered"]       visitor id + "/" + %020d seq → message id
//	[ws, "outbox"]            8-byte big-endian due unix-nano + delivery id → delivery (JSON)
//	[ws, "dead_letter"]       8-byte big-endian give-up unix-nano + delivery id → delivery (JSON)
//	[ws, "pipeline_meta"]     "outbox_count", "dead_count" → decimal counters
//
// seq is the workspace's message sequence, so both indexes list in send order.
//
// # Webhooks
//
// Each event is one JSON body, queued once per subscribed endpoint. A
// delivery is a POST signed with Beckon-Signature (see Sign and Verify); 2xx
// is success, anything else is retried with exponential backoff and jitter
// until Options.MaxAge after the event was created, then moved to the
// dead-letter bucket. Body shapes are documented on Event and its data types.
// A workspace's outbox holds at most Options.MaxOutbox deliveries; past that,
// new events are refused with ErrOutboxFull (VisitorResponded returns it;
// message_sent and message_status events are logged and dropped so the chat
// itself never stops), and the dead-letter bucket keeps the newest
// Options.MaxDeadLetters.
package pipeline
