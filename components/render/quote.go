// Package render turns the cluster model into the text the processes read:
// redis.conf, sentinel.conf and the small scripts containers run. It is pure:
// model in, text out, golden-tested.
package render

import (
	"fmt"
	"strings"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// confQuote quotes a value for redis.conf/sentinel.conf, which accept
// double-quoted strings with backslash escapes.
func confQuote(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// lines joins config lines, ending with a newline.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// cliAuth exports the password in passwordFile as REDISCLI_AUTH, so redis-cli
// authenticates without the secret on any command line, and names the user
// every redis-cli call passes (--user "$cli_user"): the tooling's admin user.
// With TLS, $cli_tls holds the flags that make redis-cli speak TLS and trust
// the stack's CA (caCertFile).
func cliAuth(s cluster.Spec, passwordFile, caCertFile string) string {
	return strings.Join([]string{
		fmt.Sprintf(`REDISCLI_AUTH="$(cat %s)"`, passwordFile),
		"export REDISCLI_AUTH",
		"cli_user=" + string(s.AdminUser()),
		"cli_tls='" + tlsFlags(s, caCertFile) + "'",
	}, "\n")
}

// tlsFlags are redis-cli's TLS flags, empty without TLS.
func tlsFlags(s cluster.Spec, caCertFile string) string {
	if !s.TLS {
		return ""
	}
	return "--tls --cacert " + caCertFile
}

// withSpace appends a space to a non-empty word list.
func withSpace(words string) string {
	if words == "" {
		return ""
	}
	return words + " "
}

// indent prefixes every line of a shell fragment, to nest it in a block.
func indent(fragment, prefix string) string {
	return prefix + strings.ReplaceAll(fragment, "\n", "\n"+prefix)
}
