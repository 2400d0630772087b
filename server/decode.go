package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
)

// Body limits.
const (
	maxAPIBody     = 64 << 10 // the outbound message API
	maxCollectBody = 32 << 10 // one event or a batch of them
	maxWidgetBody  = 8 << 10  // reply and ack
)

// readBody reads a request body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errTooLarge(limit)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errTooLarge(limit)
	}
	if err != nil {
		return nil, errInvalid("", "the request body could not be read: %v", err)
	}
	return data, nil
}

// decodeStrict decodes one JSON value into v: unknown fields, a wrong type
// or anything after the value are invalid requests naming the field.
// prefix is put before the field names (e.g. "[3]." for a batch element).
func decodeStrict(data []byte, v any, prefix string) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errInvalid("", "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(data, err, prefix)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errInvalid("", "the request body has more after its JSON value")
	}
	return nil
}

var unknownField = regexp.MustCompile(`^json: unknown field "(.*)"$`)

func jsonError(data []byte, err error, prefix string) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		// encoding/json names the field without array indexes; find it
		// by the error's offset instead.
		field, ok := pathAt(data, typeErr.Offset)
		if !ok {
			field = jsonPath(typeErr.Field)
		}
		return errInvalid(strings.TrimSuffix(prefix+field, "."), "must be %s, not %s", kindName(typeErr.Type), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return errInvalid("", "the request body is not valid JSON (at byte %d): %v", syntaxErr.Offset, syntaxErr)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errInvalid("", "the request body is cut short: it is not complete JSON")
	}
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		return errInvalid(prefix+m[1], "unknown field %q", m[1])
	}
	return errInvalid("", "the request body is not valid: %v", err)
}

// jsonPath turns encoding/json's "quick_replies.1.value" into
// "quick_replies[1].value".
func jsonPath(p string) string {
	parts := strings.Split(p, ".")
	var b strings.Builder
	for _, part := range parts {
		if part == "" {
			continue
		}
		if isIndex(part) {
			fmt.Fprintf(&b, "[%s]", part)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part)
	}
	return b.String()
}

func isIndex(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func kindName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64, reflect.Float32, reflect.Int32, reflect.Uint, reflect.Uint64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "an object"
	}
	return "a " + t.Kind().String()
}

// pathAt returns the path (e.g. quick_replies[1].value) of the value in
// data that ends at offset, or of the object or array that starts there.
func pathAt(data []byte, offset int64) (string, bool) {
	type frame struct {
		object  bool
		needKey bool
		key     string
		index   int
	}
	var stack []*frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if !f.object {
				fmt.Fprintf(&b, "[%d]", f.index)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
		return b.String()
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if f := stack[len(stack)-1]; f.object {
			f.needKey = true
		} else {
			f.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if n := len(stack); n > 0 && stack[n-1].needKey {
			if key, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].needKey = key, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if dec.InputOffset() >= offset {
				return path(), true
			}
			stack = append(stack, &frame{object: tok == json.Delim('{'), needKey: tok == json.Delim('{')})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			if dec.InputOffset() >= offset {
				return path(), true
			}
			valueDone()
		}
	}
}
