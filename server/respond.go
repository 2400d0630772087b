package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// apiError is an error answer: an HTTP status, a stable code, a message
// for people and, for a bad request, the field at fault.
type apiError struct {
	Status     int
	Code       string
	Message    string
	Field      string
	RetryAfter time.Duration // sets Retry-After when positive
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errInvalid(field, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "invalid_request", Field: field, Message: fmt.Sprintf(format, args...)}
}

func errUnauthorized(msg string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: msg}
}

func errForbidden(msg string) *apiError {
	return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: msg}
}

func errNotFound(code, field, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

func errTooLarge(limit int64) *apiError {
	return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large",
		Message: fmt.Sprintf("the request body is larger than %d bytes", limit)}
}

func errRateLimited(retry time.Duration) *apiError {
	return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: "too many requests; retry after the time in Retry-After", RetryAfter: retry}
}

func errUnavailable(msg string, retry time.Duration) *apiError {
	return &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: msg, RetryAfter: retry}
}

var errInternal = &apiError{Status: http.StatusInternalServerError, Code: "internal_error",
	Message: "something went wrong on our side; it has been logged"}

// The envelopes. Every answer carries meta; a success carries data, a
// failure error.
type meta struct {
	RequestID string `json:"request_id"`
	Timestamp string `json:"timestamp"`
}

type okBody struct {
	Data any  `json:"data"`
	Meta meta `json:"meta"`
}

// errorDetail always carries field: the bad field's name, or null.
type errorDetail struct {
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Field   *string `json:"field"`
}

type errorBody struct {
	Error errorDetail `json:"error"`
	Meta  meta        `json:"meta"`
}

// request is what the server tracks of each request: its id, and the
// route name the router matched (for the metrics).
type request struct {
	id    string
	route string
}

type ctxKey int

const (
	requestKey ctxKey = iota
	workspaceKey
)

func requestOf(r *http.Request) *request {
	if rq, ok := r.Context().Value(requestKey).(*request); ok {
		return rq
	}
	return &request{}
}

func withValue(r *http.Request, k ctxKey, v any) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), k, v))
}

func (s *Server) meta(r *http.Request) meta {
	return meta{RequestID: requestOf(r).id, Timestamp: s.clock.Now().UTC().Format(time.RFC3339)}
}

// encode renders v as the body of an answer.
func encode(v any) []byte {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		// Only values the server built itself are encoded here.
		panic(fmt.Sprintf("server: encode answer: %v", err))
	}
	return buf.Bytes()
}

func (s *Server) okBytes(r *http.Request, data any) []byte {
	return encode(okBody{Data: data, Meta: s.meta(r)})
}

func (s *Server) errorBytes(r *http.Request, e *apiError) []byte {
	d := errorDetail{Code: e.Code, Message: e.Message}
	if e.Field != "" {
		d.Field = &e.Field
	}
	return encode(errorBody{Error: d, Meta: s.meta(r)})
}

// ok writes a success answer.
func (s *Server) ok(w http.ResponseWriter, r *http.Request, status int, data any) {
	writeBody(w, status, s.okBytes(r, data))
}

// errorFor turns err into an answer; anything that is not an *apiError is
// logged and answered as an internal error.
func (s *Server) errorFor(r *http.Request, err error) *apiError {
	var e *apiError
	if errors.As(err, &e) {
		return e
	}
	s.log.Error("request failed", "request_id", requestOf(r).id, "method", r.Method, "path", r.URL.Path, "err", err)
	return errInternal
}

// answer is an error answer's status and body, for handlers that keep
// the bytes (Idempotency-Key).
func (s *Server) answer(r *http.Request, err error) (int, []byte) {
	e := s.errorFor(r, err)
	return e.Status, s.errorBytes(r, e)
}

// fail writes an error answer.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := s.errorFor(r, err)
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	writeBody(w, e.Status, s.errorBytes(r, e))
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}
