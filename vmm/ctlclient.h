/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctlclient.h - 'migctl-vmm ctl': one request to a --control socket, its reply printed. */
#ifndef MIGCTL_VMM_CTLCLIENT_H
#define MIGCTL_VMM_CTLCLIENT_H

/**
 * control_client() - 'migctl-vmm ctl PATH COMMAND [--wait] [URI]' or
 * 'migctl-vmm ctl PATH JSON': send one request (COMMAND and URI as JSON
 * strings, escaped by json-c; a JSON argument as it is), print the reply
 * line. Return: exit status (0 ok, 1 error reply, 125 no JSON answer).
 */
int control_client(int argc, char *const argv[]);

#endif /* MIGCTL_VMM_CTLCLIENT_H */
