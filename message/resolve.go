package message

// Offer is the quick replies one message offered, kept so that a later
// click on a value can be resolved to its button.
type Offer struct {
	MessageID    string       `json:"message_id"`
	QuickReplies []QuickReply `json:"quick_replies"`
}

// OfferOf is m's offer.
func OfferOf(m *Message) Offer {
	return Offer{MessageID: m.ID, QuickReplies: m.QuickReplies}
}

// Resolve finds the button a click on value answers: the one of the named
// message when messageID is set, else the one of the latest offer that has
// the value. offers are oldest first. It reports false when none matches.
func Resolve(offers []Offer, messageID, value string) (Offer, QuickReply, bool) {
	for i := len(offers) - 1; i >= 0; i-- {
		o := offers[i]
		if messageID != "" && o.MessageID != messageID {
			continue
		}
		m := Message{QuickReplies: o.QuickReplies}
		if q, ok := m.QuickReply(value); ok {
			return o, q, true
		}
		if messageID != "" {
			break
		}
	}
	return Offer{}, QuickReply{}, false
}
