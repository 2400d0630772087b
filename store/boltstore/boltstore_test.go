package boltstore

import (
	"path/filepath"
	"testing"

	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(filepath.Join(t.TempDir(), "beckon.db"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
