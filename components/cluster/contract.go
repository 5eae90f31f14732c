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
)

// EnvVar is one name=value pair of the app contract.
type EnvVar struct {
	Name  string
	Value string
}

// AppEnv is the app's environment contract: in sentinel mode the master name
// and sentinel list; in standalone mode REDIS_HOST (host:port). The order is fixed
// so the rendered .env is stable.
func AppEnv(s Spec, l Layout, password string) []EnvVar {
	if s.Mode == ModeStandalone {
		return []EnvVar{
			{EnvSentinelEnabled, "false"},
			{EnvHost, l.InitialMaster().String()},
			{EnvPassword, password},
		}
	}
	return []EnvVar{
		{EnvSentinelEnabled, "true"},
		{EnvSentinelMasterName, s.MasterName},
		{EnvSentinels, strings.Join(l.SentinelAddrs(), ",")},
		{EnvPassword, password},
	}
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
