package cluster

import (
	"fmt"
	"strings"
)

// Names of the environment variables the consuming app reads.
const (
	EnvSentinelEnabled    = "REDIS_SENTINEL_ENABLED"
	EnvSentinelMasterName = "REDIS_SENTINEL_MASTER_NAME"
	EnvSentinels          = "REDIS_SENTINELS"
	EnvPassword           = "REDIS_PASSWORD"
	EnvHost               = "REDIS_HOST"
	// EnvUsername is set only when ACL is on (the app's ACL user).
	EnvUsername = "REDIS_USERNAME"
	// EnvTLS ("true") and EnvTLSCACert (the CA, PEM) are set only when TLS is on.
	EnvTLS       = "REDIS_TLS"
	EnvTLSCACert = "REDIS_TLS_CA_CERT"
)

// EnvVar is one name=value pair of the app contract.
type EnvVar struct {
	Name  string
	Value string
}

// AppEnv is the app's environment contract: in sentinel mode the master name
// and sentinel list; in standalone mode REDIS_HOST (host:port). The order is fixed
// so the rendered .env is stable.
// With ACL on, REDIS_USERNAME and REDIS_PASSWORD are the app user's (for the
// sentinels and the data nodes alike).
func AppEnv(s Spec, l Layout, caCert string) []EnvVar {
	var env []EnvVar
	if s.Mode == ModeStandalone {
		env = []EnvVar{{EnvSentinelEnabled, "false"}, {EnvHost, l.InitialMaster().String()}}
	} else {
		env = []EnvVar{
			{EnvSentinelEnabled, "true"},
			{EnvSentinelMasterName, s.MasterName},
			{EnvSentinels, strings.Join(l.SentinelAddrs(), ",")},
		}
	}
	if s.ACL {
		env = append(env, EnvVar{EnvUsername, string(UserApp)}, EnvVar{EnvPassword, s.UserPassword(UserApp)})
	} else {
		env = append(env, EnvVar{EnvPassword, s.Password})
	}
	if s.TLS {
		env = append(env, EnvVar{EnvTLS, "true"}, EnvVar{EnvTLSCACert, caCert})
	}
	return env
}

// DotEnv renders vars as a .env file; values are single-quoted so a password
// with shell metacharacters survives `set -a; . ./.env`.
func DotEnv(vars []EnvVar) string {
	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, "%s=%s\n", v.Name, shellQuote(v.Value))
	}
	return b.String()
}

func shellQuote(v string) string {
	if v != "" && strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:_-/") == "" {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
