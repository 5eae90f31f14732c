package cluster

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// User is a Redis ACL user the cluster defines when ACL is on.
type User string

const (
	// UserAdmin runs the cluster's own tooling (start scripts, healthchecks,
	// the settings job, the verifier); its password is the stack's password.
	UserAdmin User = "admin"
	// UserReplication is what replicas authenticate as (masteruser).
	UserReplication User = "replica"
	// UserSentinel is what sentinels authenticate as on data nodes: only the
	// commands Sentinel needs (Redis docs, "Redis Sentinel and ACL").
	UserSentinel User = "sentinel"
	// UserApp is the application's user: data commands, no admin or dangerous ones.
	UserApp User = "app"
	// UserMonitor is the always-on monitor's user: read-only commands, plus
	// writes under MonitorKeyPrefix for its round-trip check.
	UserMonitor User = "monitor"
	// userDefault is Redis's built-in user: the only one without ACL.
	userDefault User = "default"
)

// AdminUser is who the cluster's tooling authenticates as: admin with ACL,
// else the default user (whose password is requirepass).
func (s Spec) AdminUser() User {
	if s.ACL {
		return UserAdmin
	}
	return userDefault
}

// UserPassword is u's password. Admin (and everyone without ACL) uses the
// stack's password; each other user's is derived from it with HMAC-SHA256, so
// one secret yields distinct credentials and a leaked app password reveals
// neither the admin's nor the others'.
func (s Spec) UserPassword(u User) string {
	if !s.ACL || u == UserAdmin || u == userDefault {
		return s.Password
	}
	mac := hmac.New(sha256.New, []byte(s.Password))
	mac.Write([]byte("redis-sentinel/acl/" + string(u)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// PasswordHash is the ACL form of a password (#<sha256 hex>), so ACL rules and
// rewritten configs never hold the password itself.
func PasswordHash(password string) string {
	sum := sha256.Sum256([]byte(password))
	return "#" + hex.EncodeToString(sum[:])
}
