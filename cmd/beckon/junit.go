package main

import (
	"encoding/xml"
	"fmt"
	"os"

	"github.com/beckonhq/beckon/journey"
)

// The JUnit XML report of `beckon test --junit FILE`, the format CI
// systems read: one testsuite per test file, one testcase per test.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// junitReport collects the outcomes of the test files as they run.
type junitReport struct{ suites junitSuites }

// file adds a test file's outcomes; err is a file that could not be read,
// reported as one erroring test case.
func (j *junitReport) file(path string, outcomes []journey.Outcome, err error) {
	s := junitSuite{Name: path}
	if err != nil {
		s.Errors, s.Tests = 1, 1
		s.Cases = []junitCase{{Name: "load " + path, ClassName: path,
			Error: &junitProblem{Message: "the test file does not load", Type: "load", Text: err.Error()}}}
	}
	for _, o := range outcomes {
		c := junitCase{Name: o.Name, ClassName: path}
		if o.Failure != "" {
			c.Failure = &junitProblem{Message: "the messages differ from what the test expects", Type: "expect", Text: o.Failure}
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	j.suites.Suites = append(j.suites.Suites, s)
	j.suites.Tests += s.Tests
	j.suites.Failures += s.Failures
	j.suites.Errors += s.Errors
}

// write saves the report to path.
func (j *junitReport) write(path string) error {
	j.suites.Name = "beckon test"
	data, err := xml.MarshalIndent(j.suites, "", "  ")
	if err != nil {
		return err
	}
	data = append([]byte(xml.Header), append(data, '\n')...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("--junit: %w", err)
	}
	return nil
}
