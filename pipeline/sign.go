package pipeline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Signature errors returned by Verify.
var (
	ErrSignature        = errors.New("pipeline: webhook signature does not match")
	ErrSignatureExpired = errors.New("pipeline: webhook signature outside tolerance")
)

// Sign returns the Beckon-Signature header value for body sent at unix time
// t: "t=UNIX,v1=HEX(HMAC-SHA256(secret, "UNIX.BODY"))".
func Sign(secret string, t int64, body []byte) string {
	return "t=" + strconv.FormatInt(t, 10) + ",v1=" + hex.EncodeToString(mac(secret, t, body))
}

func mac(secret string, t int64, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(strconv.AppendInt(nil, t, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a Beckon-Signature header against body. Any v1 entry may
// match, so a receiver can accept old and new secrets while rotating. A
// tolerance of 0 skips the age check.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	t, sigs, err := parseSignature(header)
	if err != nil {
		return err
	}
	if age := now.Sub(time.Unix(t, 0)).Abs(); tolerance > 0 && age > tolerance {
		return fmt.Errorf("%w: signed %s away from now", ErrSignatureExpired, age)
	}
	want := mac(secret, t, body)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrSignature
}

func parseSignature(header string) (int64, []string, error) {
	var t int64 = -1
	var sigs []string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, nil, fmt.Errorf("%w: bad t %q", ErrSignature, v)
			}
			t = n
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if t < 0 || len(sigs) == 0 {
		return 0, nil, fmt.Errorf("%w: header needs t= and v1=", ErrSignature)
	}
	return t, sigs, nil
}
