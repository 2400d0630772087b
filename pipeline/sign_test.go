package pipeline

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"evt_1"}`)
	now := time.Unix(1705761045, 0)
	good := Sign("s3cret", now.Unix(), body)
	tests := []struct {
		name   string
		secret string
		header string
		body   string
		want   error
	}{
		{"good", "s3cret", good, string(body), nil},
		{"rotating", "s3cret", Sign("old", now.Unix(), body) + ",v1=" + good[len("t=1705761045,v1="):], string(body), nil},
		{"wrong secret", "other", good, string(body), ErrSignature},
		{"changed body", "s3cret", good, `{"id":"evt_2"}`, ErrSignature},
		{"too old", "s3cret", Sign("s3cret", now.Add(-10*time.Minute).Unix(), body), string(body), ErrSignatureExpired},
		{"no v1", "s3cret", "t=1705761045", string(body), ErrSignature},
		{"bad t", "s3cret", "t=x,v1=00", string(body), ErrSignature},
		{"empty", "s3cret", "", string(body), ErrSignature},
	}
	for _, tt := range tests {
		err := Verify(tt.secret, tt.header, []byte(tt.body), now, 5*time.Minute)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func ExampleSign() {
	fmt.Println(Sign("whsec_demo", 1705761045, []byte(`{"id":"evt_1"}`)))
	// Output: t=1705761045,v1=d4197c7ddb435e4cc2deb82fc35d510fc1118afa0af7af6492c0b27182be4b5c
}
