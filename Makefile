# Entry points; each is a script under scripts/ so it also works without make.
STACK ?= local

.PHONY: setup up verify env down test toolchain image
setup:      ## packages, dockerd, Pulumi toolchain, local image, plugin check
	bash scripts/setup.sh
up:         ## pulumi up STACK (default local), then verify through Sentinel
	bash scripts/up.sh $(STACK)
verify:     ## health checks through Sentinel (VERIFY_FLAGS=--dns 10.96.0.10:53 for Kubernetes stacks)
	bash -c 'source scripts/env.sh && go run ./cmd/redis-sentinel verify --stack $(STACK) $(VERIFY_FLAGS)'
env:        ## print STACK's app environment (.env, contains the password)
	@bash -c 'source scripts/env.sh && go run ./cmd/redis-sentinel env --stack $(STACK)'
down:       ## pulumi destroy STACK
	bash -c 'source scripts/env.sh && pulumi destroy --yes --non-interactive --skip-preview --stack $(STACK)'
test:       ## every test; prerequisites come from `make setup`
	bash scripts/test.sh
toolchain:
	bash scripts/toolchain.sh
image:
	bash scripts/build-image.sh
