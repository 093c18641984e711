import { readFileSync } from 'node:fs';
import type { StandInImage } from '../images/catalogue.ts';

/**
 * The image every session's workbench runs: a real bash with the real Docker CLI and Compose,
 * whose only engine is the session's Engine API boundary (mounted at /run/layerlab). It is the
 * server's own image, not a base a learner may build FROM, so it is kept out of the catalogue and
 * out of every learner listing; it is made by the stand-in builder all the same (declared,
 * idempotent, cached, labelled with what it was built from).
 */

/** Where the workbench finds its engine: the session's boundary socket, in a folder the server mounts. */
export const WORKBENCH_SOCKET_DIR = '/run/layerlab';
export const WORKBENCH_SOCKET = `${WORKBENCH_SOCKET_DIR}/docker.sock`;
export const WORKBENCH_USER = 'learner';
/** The learner's uid inside the workbench, which owns the boundary socket on the host. */
export const WORKBENCH_UID = 1000;
export const WORKBENCH_HOME = `/home/${WORKBENCH_USER}`;
export const WORKBENCH_WORKSPACE = `${WORKBENCH_HOME}/workspace`;
/** The hostname that makes Debian's default prompt read `learner@layerlab:~/workspace$`. */
export const WORKBENCH_HOSTNAME = 'layerlab';
/** Marks the image (and later every workbench container) as the server's, not a learner's. */
export const WORKBENCH_LABEL = 'org.layerlab.workbench';

/**
 * `docker compose …` as a CLI plugin that runs Debian's docker-compose 1.29 (Compose v2 is not
 * packaged). The CLI calls a plugin with its own name first (`docker-compose compose up -d`).
 */
const COMPOSE_PLUGIN = `#!/bin/sh
if [ "$1" = docker-cli-plugin-metadata ]; then
  printf '%s\\n' '{"SchemaVersion":"0.1.0","Vendor":"Layerlab","Version":"1.29.2","ShortDescription":"Docker Compose (Debian docker-compose)"}'
  exit 0
fi
shift
exec /usr/bin/docker-compose "$@"
`;

/** Tells the server where each command starts and ends (see the file's own comment). */
const SHELL_INTEGRATION = readFileSync(new URL('./shell-integration.bash', import.meta.url), 'utf8');

// The Docker CLI comes out of Debian's docker.io package, the same build as the engine on these
// machines, without the daemon, containerd and runc the package would install beside it.
// /var/run is /run on Debian, so /var/run/docker.sock (the CLI's, Compose's and curl's default)
// is the boundary's socket.
const DOCKERFILE = `FROM debian:bookworm-slim
ENV LANG=C.UTF-8 TERM=xterm-256color
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      bash bash-completion ca-certificates curl nano vim-tiny less jq tree procps iproute2 socat docker-compose \\
 && cd /tmp && apt-get download docker.io \\
 && dpkg-deb --fsys-tarfile docker.io_*.deb | tar -x -C / ./usr/bin/docker ./usr/share/bash-completion/completions/docker \\
 && rm -f docker.io_*.deb \\
 && rm -rf /var/lib/apt/lists/*
COPY compose-plugin /usr/libexec/docker/cli-plugins/docker-compose
COPY shell-integration.bash /usr/lib/layerlab/shell-integration.bash
RUN chmod 0755 /usr/libexec/docker/cli-plugins/docker-compose \\
 && ln -s layerlab/docker.sock /run/docker.sock \\
 && useradd --uid ${WORKBENCH_UID} --create-home --shell /bin/bash ${WORKBENCH_USER} \\
 && echo '. /usr/lib/layerlab/shell-integration.bash' >> ${WORKBENCH_HOME}/.bashrc \\
 && mkdir ${WORKBENCH_WORKSPACE} && chown ${WORKBENCH_USER}: ${WORKBENCH_WORKSPACE}
LABEL ${WORKBENCH_LABEL}=true
USER ${WORKBENCH_USER}
WORKDIR ${WORKBENCH_WORKSPACE}
CMD ["bash", "-l"]
`;

export const WORKBENCH_IMAGE: StandInImage = {
  repository: 'layerlab-workbench',
  tags: ['latest'],
  summary: "A learner's workbench: bash, the Docker CLI and Compose, curl, nano and vim-tiny, on Debian bookworm",
  prepare: 'start',
  standIn: {
    kind: 'dockerfile',
    from: 'debian:bookworm-slim',
    dockerfile: DOCKERFILE,
    files: { 'compose-plugin': COMPOSE_PLUGIN, 'shell-integration.bash': SHELL_INTEGRATION },
    claims: '20.10',
    probes: [
      { name: 'docker', command: 'docker --version', pattern: 'Docker version (\\d+\\.\\d+\\.\\d+)' },
      { name: 'compose', command: 'docker compose version', pattern: 'docker-compose version (\\d+\\.\\d+\\.\\d+)' },
      { name: 'bash', command: 'bash --version', pattern: 'version (\\d+\\.\\d+\\.\\d+)' },
    ],
    source: 'Debian bookworm bash {bash}, the Docker CLI {docker} from docker.io and docker-compose {compose}, on the debian:bookworm-slim stand-in',
    outline: 'bookworm + bash, Docker CLI, docker-compose, curl, nano',
  },
};

export const WORKBENCH_REFERENCE = `${WORKBENCH_IMAGE.repository}:${WORKBENCH_IMAGE.tags[0]}`;
