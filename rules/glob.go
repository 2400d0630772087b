package rules

// MatchGlob matches a path against a glob in which * is any run of
// characters but / and ** is any run of characters at all.
func MatchGlob(glob, path string) bool {
	for len(glob) > 0 {
		switch {
		case len(glob) >= 2 && glob[0] == '*' && glob[1] == '*':
			rest := glob[2:]
			for i := len(path); i >= 0; i-- {
				if MatchGlob(rest, path[i:]) {
					return true
				}
			}
			return false
		case glob[0] == '*':
			rest := glob[1:]
			for i := 0; i <= len(path); i++ {
				if MatchGlob(rest, path[i:]) {
					return true
				}
				if i < len(path) && path[i] == '/' {
					break
				}
			}
			return false
		default:
			if len(path) == 0 || path[0] != glob[0] {
				return false
			}
			glob, path = glob[1:], path[1:]
		}
	}
	return len(path) == 0
}
