/**
 * Who command agents run as in the cloud: a uid of their own, neither root (the worker, which must
 * switch users and signal its agents) nor 1000 (the image's `node`, also the EC2 host's ec2-user), so
 * rules that single agents out (the EC2 IMDS rule) match nothing else, and agents cannot read the
 * worker's environment (/proc/<pid>/environ is readable by its own uid only).
 */
export const AGENT_USER = { uid: 61000, gid: 61000 } as const;

/** The worker's variables that make it start command agents as {@link AGENT_USER} (services/core/config.ts). */
export const AGENT_USER_ENVIRONMENT = { AGENT_UID: String(AGENT_USER.uid), AGENT_GID: String(AGENT_USER.gid) };

/**
 * Docker's default capabilities a root worker does not need: it keeps only SETUID and SETGID (to start
 * agents as their user) and KILL (to signal their process groups).
 */
export const CAPABILITIES_A_WORKER_DROPS = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'MKNOD', 'NET_BIND_SERVICE', 'NET_RAW', 'SETFCAP', 'SETPCAP', 'SYS_CHROOT',
];
