package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openTerminal opens a pseudo-terminal: the program writes to tty, the
// test reads what a terminal would show from the returned channel once tty
// is closed.
func openTerminal(t *testing.T) (tty *os.File, screen <-chan string) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan string, 1)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, ptm) // ends with EIO once tty is closed
		out <- b.String()
	}()
	return tty, out
}

func simulateOnTerminal(t *testing.T, journeys int) (stdout, screen string) {
	tty, shown := openTerminal(t)
	args := []string{"simulate", "--rules", "testdata/rules.yaml", "--format", "json"}
	for range journeys {
		args = append(args, "testdata/journey.yaml")
	}
	var out bytes.Buffer
	if code := run(args, &out, tty); code != 0 {
		t.Fatalf("exit %d", code)
	}
	tty.Close()
	return out.String(), <-shown
}

func TestSimulateProgressOnATerminal(t *testing.T) {
	stdout, screen := simulateOnTerminal(t, 6)
	if n := strings.Count(stdout, "\n"); n != 12 {
		t.Errorf("stdout has %d lines, want 2 messages for each of 6 journeys", n)
	}
	for i := 1; i <= 6; i++ {
		if want := "\r\x1b[Ksimulating journeys: " + strconv.Itoa(i) + "/6"; !strings.Contains(screen, want) {
			t.Errorf("the terminal never showed %q: %q", want, screen)
		}
	}
	if !strings.HasSuffix(screen, "6/6\r\x1b[K") {
		t.Errorf("the progress line is not erased at the end: %q", screen)
	}
	if strings.Contains(stdout, "simulating") {
		t.Errorf("progress went to stdout: %q", stdout)
	}

	if _, screen := simulateOnTerminal(t, 5); screen != "" {
		t.Errorf("five journeys showed progress: %q", screen)
	}
	var errOut bytes.Buffer
	args := []string{"simulate", "--rules", "testdata/rules.yaml", "--format", "json"}
	for range 6 {
		args = append(args, "testdata/journey.yaml")
	}
	run(args, io.Discard, &errOut)
	if errOut.Len() != 0 {
		t.Errorf("stderr that is not a terminal got %q", errOut.String())
	}
}
