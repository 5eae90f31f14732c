package faultmatrix

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/verify"
)

// isolatedProbeScript writes to the local server from inside the partitioned
// container, as a client stranded with the old master would, every 50ms for
// the given seconds; it prints how many writes were acknowledged and the
// attempt number of the last one. Those writes are lost when the partition heals.
const isolatedProbeScript = `export REDISCLI_AUTH="$(cat %s)"
conf=%s
port=$(sed -n 's/^tls-port //p' "$conf") tls="--tls --cacert %s"
[ -n "$port" ] || { port=$(sed -n 's/^port //p' "$conf"); tls=""; }
ok=0 last=0 i=0
end=$(( $(date +%%s) + %d ))
while [ "$(date +%%s)" -lt "$end" ]; do
  i=$((i+1))
  case "$(redis-cli --user %s $tls -p "$port" --no-auth-warning RPUSH redis-sentinel:isolated-probe "$i" 2>&1)" in
    [0-9]*) ok=$((ok+1)) last=$i ;;
  esac
  sleep 0.05
done
echo "$ok $last $i"`

// partitionFault cuts the master off the cluster network while a client inside
// its partition keeps writing; heals by reconnecting. The note reports how many
// writes the isolated master acknowledged (min-replicas-to-write bounds them).
func partitionFault(env Env, faults dockerhost.ClusterFaults, note *string) verify.Fault {
	probeSeconds := int((3*env.DownAfter + 3*time.Second).Seconds())
	return verify.Fault{Name: "master partitioned, healed", Expect: verify.FailoverRequired,
		Inject: func(ctx context.Context, master string) (verify.FaultHandle, error) {
			container, err := faults.Container(ctx, master)
			if err != nil {
				return nil, err
			}
			if err := env.Host.Disconnect(ctx, env.Network, container); err != nil {
				return nil, err
			}
			probe := make(chan string, 1)
			go func() {
				user := env.AdminUser
				if user == "" {
					user = "default"
				}
				script := fmt.Sprintf(isolatedProbeScript, cluster.PasswordFilePath, cluster.RedisConfPath, cluster.TLSCACertPath, probeSeconds, user)
				out, err := env.Host.Exec(context.WithoutCancel(ctx), container, "sh", "-c", script)
				if err != nil {
					out = "error: " + err.Error()
				}
				probe <- out
			}()
			return verify.FaultFuncs{OnHeal: func(ctx context.Context) error {
				*note = describeProbe(<-probe)
				return env.Host.Connect(ctx, env.Network, container)
			}}, nil
		}}
}

// describeProbe turns the probe's "ok last attempts" into a report note.
func describeProbe(out string) string {
	fields := strings.Fields(out)
	if len(fields) != 3 {
		return "isolated-master probe failed: " + strings.TrimSpace(out)
	}
	ok, _ := strconv.Atoi(fields[0])
	last, _ := strconv.Atoi(fields[1])
	attempts, _ := strconv.Atoi(fields[2])
	if ok == 0 {
		return fmt.Sprintf("isolated master acknowledged 0 of %d writes", attempts)
	}
	return fmt.Sprintf("isolated master acknowledged %d of %d writes (last at attempt %d, ~%.1fs in), lost on heal",
		ok, attempts, last, float64(last)*0.06)
}
