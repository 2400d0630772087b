package rules

import (
	"fmt"
	"strings"
)

// suggest returns " (did you mean X?)" for the closest candidate within a
// small edit distance, or "".
func suggest(name string, candidates []string) string {
	if best := closest(name, candidates); best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}

// closest is the candidate within a small edit distance of name, or "".
// Of two as close, the one that shares a longer start with name wins
// (ofline is offline rather than online).
func closest(name string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		d := editDistance(name, c)
		if best == "" || d < bestDist || d == bestDist && commonPrefix(name, c) > commonPrefix(name, best) {
			best, bestDist = c, d
		}
	}
	limit := len(name) / 3
	if limit < 2 {
		limit = 2
	}
	if best == "" || bestDist > limit || best == name {
		return ""
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance, so a swapped pair of letters counts as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// orChoices is suggest's hint, or the list of valid choices when nothing is close.
func orChoices(name string, choices []string) string {
	if s := suggest(name, choices); s != "" {
		return s
	}
	return " (use " + strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1] + ")"
}

// Suggest is " (did you mean X?)" for the candidate closest to name, or "",
// for other files that give the rule file's kind of diagnostics.
func Suggest(name string, candidates []string) string { return suggest(name, candidates) }

// OrChoices is Suggest, or the list of choices when nothing is close.
func OrChoices(name string, choices []string) string { return orChoices(name, choices) }
