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
	// UserDefault is Redis's built-in user: the only one without ACL.
	UserDefault User = "default"
)

// AdminUser is who the cluster's tooling authenticates as: admin with ACL,
// else the default user (whose password is requirepass).
func (s Spec) AdminUser() User {
	if s.ACL {
		return UserAdmin
	}
	return UserDefault
}

// UserPassword is u's password. Admin (and everyone without ACL) uses the
// stack's password; each other user's is derived from it with HMAC-SHA256, so
// one secret yields distinct credentials and a leaked app password reveals
// neither the admin's nor the others'.
func (s Spec) UserPassword(u User) string {
	return s.userPasswordFrom(s.Password, u)
}

// AcceptedPasswords are the passwords u may authenticate with: the current
// one first, then during a rotation the one derived from PreviousPassword.
func (s Spec) AcceptedPasswords(u User) []string {
	accepted := []string{s.UserPassword(u)}
	if s.PreviousPassword != "" {
		accepted = append(accepted, s.userPasswordFrom(s.PreviousPassword, u))
	}
	return accepted
}

// Users are the users a role's processes define: every ACL user on data
// nodes, the ones with a business on a sentinel there; without ACL, default.
func (s Spec) Users(role Role) []User {
	switch {
	case !s.ACL:
		return []User{UserDefault}
	case role == RoleSentinel:
		return []User{UserAdmin, UserApp, UserMonitor}
	default:
		return []User{UserAdmin, UserReplication, UserSentinel, UserApp, UserMonitor}
	}
}

func (s Spec) userPasswordFrom(password string, u User) string {
	if !s.ACL || u == UserAdmin || u == UserDefault {
		return password
	}
	mac := hmac.New(sha256.New, []byte(password))
	mac.Write([]byte("redis-sentinel/acl/" + string(u)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// PasswordHash is the ACL form of a password (#<sha256 hex>), so ACL rules and
// rewritten configs never hold the password itself.
func PasswordHash(password string) string {
	sum := sha256.Sum256([]byte(password))
	return "#" + hex.EncodeToString(sum[:])
}

// ReplicationUser is who replicas authenticate as on their master.
func (s Spec) ReplicationUser() User {
	if s.ACL {
		return UserReplication
	}
	return UserDefault
}

// SentinelUser is who sentinels authenticate as on data nodes.
func (s Spec) SentinelUser() User {
	if s.ACL {
		return UserSentinel
	}
	return UserDefault
}
