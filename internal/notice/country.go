package notice

// IsCountry reports whether s has the shape of an ISO 3166-1 alpha-2 code:
// two upper-case ASCII letters.
//
// It checks the shape only, on purpose: INTERPOL data uses user-assigned
// codes (XX, and the synthetic samples use YY), and a border check must still
// find an alert entered with a code this node's list does not know yet. The
// full ISO list lives with the FtM model (internal/ftm); callers that must
// reject unassigned codes check there.
func IsCountry(s string) bool {
	return len(s) == 2 && isUpperASCII(s[0]) && isUpperASCII(s[1])
}

func isUpperASCII(c byte) bool { return c >= 'A' && c <= 'Z' }
