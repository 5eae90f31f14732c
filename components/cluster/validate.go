package cluster

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"net/netip"
	"regexp"
	"strings"
)

// Problem is one violated rule, named by the config key the user sets.
type Problem struct {
	Key  string
	Rule string
}

func (p Problem) String() string { return p.Key + ": " + p.Rule }

// InvalidSpecError lists every problem found, so a user fixes them all at once.
type InvalidSpecError struct {
	Problems []Problem
}

func (e *InvalidSpecError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "invalid redis-sentinel config:\n  " + strings.Join(lines, "\n  ")
}

// MinPasswordLength is the shortest password Validate accepts.
const MinPasswordLength = 16

var (
	namePattern       = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$`)
	masterNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

// Validate checks a defaulted spec and returns an *InvalidSpecError naming every
// violated rule by its config key, or nil. It never changes the spec.
// Provided TLS certificates are checked against the current time.
func Validate(s Spec) error { return ValidateAt(s, time.Now()) }

// ValidateAt is Validate with certificates checked at now.
func ValidateAt(s Spec, now time.Time) error {
	var v validator
	v.check(namePattern.MatchString(s.Name), KeyName, "must be 1-40 lowercase letters, digits or '-', starting and ending alphanumeric")
	v.check(s.Platform == PlatformDocker || s.Platform == PlatformKubernetes, KeyPlatform, fmt.Sprintf("unknown platform %q (want docker or kubernetes)", s.Platform))
	switch s.Mode {
	case ModeSentinel:
		validateSentinelMode(&v, s)
	case ModeStandalone:
	default:
		v.add(KeyMode, fmt.Sprintf("unknown mode %q (want sentinel or standalone)", s.Mode))
	}
	v.check(masterNamePattern.MatchString(s.MasterName), KeyMasterName, "must be 1-64 letters, digits, '.', '_' or '-'")
	v.check(s.Image != "" && !strings.ContainsAny(s.Image, " \t\n"), KeyImage, "must be a non-empty image reference without spaces")
	v.check(s.Monitor.Image != "" && !strings.ContainsAny(s.Monitor.Image, " \t\n"), KeyMonitorImage, "must be a non-empty image reference without spaces")
	v.check(s.Persistence.AppendFsync == "always" || s.Persistence.AppendFsync == "everysec" || s.Persistence.AppendFsync == "no",
		KeyAppendFsync, fmt.Sprintf("%q is not always, everysec or no", s.Persistence.AppendFsync))
	v.port(KeyRedisPort, s.Ports.Redis)
	v.port(KeySentinelPort, s.Ports.Sentinel)
	v.check(s.Ports.Redis != s.Ports.Sentinel, KeySentinelPort, "must differ from redisPort")
	validatePassword(&v, KeyPassword, s.Password)
	if s.PreviousPassword != "" {
		validatePassword(&v, KeyPreviousPassword, s.PreviousPassword)
		v.check(s.PreviousPassword != s.Password, KeyPreviousPassword, "equals password: set it to the password being replaced, or remove it")
	}
	switch s.Platform {
	case PlatformDocker:
		validateDocker(&v, s)
	case PlatformKubernetes:
		validateKubernetes(&v, s)
	}
	v.check(!s.AppScripting || s.ACL, KeyAppScripting, "needs acl: without ACL users the app runs as the default user, which may run anything")
	validateTLSSource(&v, s)
	if s.TLS && s.PreviousPassword != "" && !s.TLSMaterial.IsSet() {
		v.add(KeyPreviousPassword, "cannot rotate live while the TLS certificates are derived from password (they would change with it): "+
			"first keep them as stack config (redis-sentinel tls init --stack <stack>, which `make up` and rollout run) or set tlsCaCert, tlsCert and tlsKey; README, \"Rotating credentials\"")
	}
	if len(v.problems) == 0 && s.TLSMaterial.IsSet() { // the layout is sound: check the certificate against it
		hosts, err := tlsAnnouncedHosts(s)
		if err != nil {
			v.add(KeyTLSCert, err.Error())
		} else {
			validateTLSMaterial(&v, s, hosts, now)
		}
	}
	return v.err()
}

func validateSentinelMode(v *validator, s Spec) {
	v.check(s.Replicas >= 1, KeyReplicas, fmt.Sprintf("must be at least 1 in sentinel mode, got %d", s.Replicas))
	v.check(s.Sentinels >= 3, KeySentinels, fmt.Sprintf("must be at least 3 so a majority survives one loss, got %d", s.Sentinels))
	v.check(s.Quorum <= s.Sentinels, KeyQuorum, fmt.Sprintf("%d is larger than sentinels (%d): no failover could ever be authorized", s.Quorum, s.Sentinels))
	v.check(s.Quorum >= Majority(s.Sentinels), KeyQuorum, fmt.Sprintf("%d is below a majority of %d sentinels (%d): a minority could declare the master down", s.Quorum, s.Sentinels, Majority(s.Sentinels)))
	t := s.Timers
	v.check(t.DownAfterMilliseconds >= 100, KeyDownAfter, fmt.Sprintf("must be at least 100, got %d", t.DownAfterMilliseconds))
	v.check(t.FailoverTimeoutMilliseconds >= 1000, KeyFailoverTimeout, fmt.Sprintf("must be at least 1000, got %d", t.FailoverTimeoutMilliseconds))
	v.check(t.ParallelSyncs >= 1, KeyParallelSyncs, fmt.Sprintf("must be at least 1, got %d", t.ParallelSyncs))
	w := s.WriteSafety
	if s.Replicas >= 1 { // otherwise replicas is already reported
		v.check(w.MinReplicasToWrite >= 0 && w.MinReplicasToWrite <= s.Replicas, KeyMinReplicasToWrite,
			fmt.Sprintf("must be between 0 and replicas (%d), got %d", s.Replicas, w.MinReplicasToWrite))
	}
	v.check(w.MinReplicasMaxLagSeconds >= 1, KeyMinReplicasMaxLag, fmt.Sprintf("must be at least 1 second, got %d", w.MinReplicasMaxLagSeconds))
}

func validatePassword(v *validator, key, password string) {
	switch {
	case password == "":
		v.add(key, "is required: pulumi config set --secret "+key+" <value>")
	case len(password) < MinPasswordLength:
		v.add(key, fmt.Sprintf("is too weak: use at least %d characters", MinPasswordLength))
	case distinctRunes(password) < 6:
		v.add(key, "is too weak: use at least 6 different characters")
	}
	v.check(!strings.ContainsAny(password, "\r\n\x00"), key, "must not contain line breaks or NUL")
}

func validateDocker(v *validator, s Spec) {
	prefix, err := netip.ParsePrefix(s.Docker.Subnet)
	switch {
	case err != nil:
		v.add(KeyDockerSubnet, fmt.Sprintf("%q is not a CIDR subnet: %v", s.Docker.Subnet, err))
	case !prefix.Addr().Is4() || prefix.Bits() > 29:
		v.add(KeyDockerSubnet, fmt.Sprintf("%q must be an IPv4 subnet of /29 or larger", s.Docker.Subnet))
	case prefix.Masked() != prefix:
		v.add(KeyDockerSubnet, fmt.Sprintf("%q has host bits set; did you mean %s?", s.Docker.Subnet, prefix.Masked()))
	}
	nodes, sentinels := s.DataNodeCount(), s.Sentinels
	v.portRange(KeyDockerNodePortBase, s.Docker.NodePortBase, nodes)
	if sentinels > 0 {
		v.portRange(KeyDockerSentinelPortBase, s.Docker.SentinelPortBase, sentinels)
	}
	if sentinels > 0 && overlaps(s.Docker.NodePortBase, nodes, s.Docker.SentinelPortBase, sentinels) {
		v.add(KeyDockerSentinelPortBase, fmt.Sprintf("host ports %d-%d overlap the data nodes' %d-%d",
			s.Docker.SentinelPortBase, s.Docker.SentinelPortBase+sentinels-1, s.Docker.NodePortBase, s.Docker.NodePortBase+nodes-1))
	}
	if s.Monitor.IsEnabled() {
		port := s.Docker.MonitorPort
		v.portRange(KeyDockerMonitorPort, port, 1)
		if overlaps(port, 1, s.Docker.NodePortBase, nodes) || overlaps(port, 1, s.Docker.SentinelPortBase, sentinels) {
			v.add(KeyDockerMonitorPort, fmt.Sprintf("host port %d is a data node's or a sentinel's", port))
		}
	}
}

var (
	dnsLabelPattern     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	dnsSubdomainPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

func validateKubernetes(v *validator, s Spec) {
	k := s.Kubernetes
	v.check(dnsLabelPattern.MatchString(k.Namespace), KeyKubeNamespace, fmt.Sprintf("%q is not a DNS label (lowercase letters, digits, '-', at most 63)", k.Namespace))
	v.check(len(k.ClusterDomain) <= 253 && dnsSubdomainPattern.MatchString(k.ClusterDomain), KeyKubeClusterDomain, fmt.Sprintf("%q is not a DNS domain", k.ClusterDomain))
	v.check(k.StorageClass == "" || dnsSubdomainPattern.MatchString(k.StorageClass), KeyKubeStorageClass, fmt.Sprintf("%q is not a StorageClass name", k.StorageClass))
	switch k.AntiAffinity {
	case AntiAffinityRequired, AntiAffinityPreferred, AntiAffinityNone:
	default:
		v.add(KeyKubeAntiAffinity, fmt.Sprintf("unknown value %q (want required, preferred or none)", k.AntiAffinity))
	}
	v.quantity(KeyKubeDataVolumeSize, k.DataVolumeSize)
	v.quantity(KeyKubeNodeCPU, k.NodeResources.CPU)
	v.quantity(KeyKubeNodeMemory, k.NodeResources.Memory)
	v.quantity(KeyKubeSentinelCPU, k.SentinelResources.CPU)
	v.quantity(KeyKubeSentinelMemory, k.SentinelResources.Memory)
}

type validator struct{ problems []Problem }

func (v *validator) add(key, rule string) {
	v.problems = append(v.problems, Problem{Key: key, Rule: rule})
}

func (v *validator) check(ok bool, key, rule string) {
	if !ok {
		v.add(key, rule)
	}
}

func (v *validator) port(key string, port int) {
	v.check(port >= 1 && port <= 65535, key, fmt.Sprintf("%d is not a port (1-65535)", port))
}

func (v *validator) portRange(key string, base, count int) {
	v.check(base >= 1024 && base+count-1 <= 65535, key,
		fmt.Sprintf("host ports %d-%d must lie within 1024-65535", base, base+count-1))
}

// quantity checks a Kubernetes resource quantity such as 250m or 512Mi.
func (v *validator) quantity(key, value string) {
	q, err := resource.ParseQuantity(value)
	switch {
	case err != nil:
		v.add(key, fmt.Sprintf("%q is not a Kubernetes quantity (e.g. 250m, 512Mi)", value))
	case q.Sign() <= 0:
		v.add(key, fmt.Sprintf("%q must be positive", value))
	}
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &InvalidSpecError{Problems: v.problems}
}

func overlaps(aStart, aCount, bStart, bCount int) bool {
	return aStart < bStart+bCount && bStart < aStart+aCount
}

func distinctRunes(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}
