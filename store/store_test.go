package store

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestPutGetScanSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "beckon.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b := []string{"ws_demo", "visitors"}
	err = db.Update(func(tx *Tx) error {
		for _, k := range []string{"b", "a", "c"} {
			if err := tx.Put(b, k, []byte("v"+k)); err != nil {
				return err
			}
		}
		return tx.Delete(b, "c")
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.Get(b, "a"); err != nil || string(v) != "va" {
		t.Fatalf("Get a = %q, %v", v, err)
	}
	if _, err := db.Get(b, "c"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get deleted key: err = %v, want ErrNotFound", err)
	}
	if _, err := db.Get([]string{"nope"}, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get missing bucket: err = %v, want ErrNotFound", err)
	}
	var keys []string
	db.View(func(tx *Tx) error {
		return tx.Scan(b, "", func(k string, v []byte) (bool, error) {
			keys = append(keys, k+"="+string(v))
			return true, nil
		})
	})
	if got := len(keys); got != 2 || keys[0] != "a=va" || keys[1] != "b=vb" {
		t.Fatalf("Scan = %v, want [a=va b=vb]", keys)
	}
}
