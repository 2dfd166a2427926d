/**
 * Joining an org, the one place that knows how: by invitation when the edge
 * serves it (`POST /api/orgs/{id}/invitations` {email} → 202, then the
 * invitee finds it in `GET /api/invitations` and accepts it), else by the
 * older direct add (`POST /api/orgs/{id}/members` {userId}). The harness
 * reads which one from the OpenAPI document once.
 */
import type { User } from './harness.ts';
import { expectKnown, said, send, type Real } from './step.ts';

/** Whether the invitee is a member afterwards because of this call, and what happened. */
export async function joinOrg(r: Real, inviter: User, orgId: string, invitee: User): Promise<{ joined: boolean; line: string }> {
  if (!r.h.invitations) {
    const res = await send(r, inviter, 'POST', `/api/orgs/${orgId}/members`, { userId: invitee.id, role: 'member' });
    expectKnown(res, 'add member', [201, 403, 404, 409]);
    return { joined: res.status === 201, line: `direct add ${said(res)}` };
  }
  inviter.invitesSent++;
  const invite = await send(r, inviter, 'POST', `/api/orgs/${orgId}/invitations`, { email: invitee.email });
  // 429: the inviter's hourly budget (the harness rotates users long before it; a refusal records nothing).
  expectKnown(invite, 'invite', [202, 403, 404, 409, 429]);
  if (invite.status !== 202) return { joined: false, line: `invite ${said(invite)}` };
  const list = await send(r, invitee, 'GET', '/api/invitations');
  expectKnown(list, 'list invitations', [200]);
  const items: any[] = list.body.invitations ?? list.body.items ?? [];
  const mine = items.find((i) => (i.org?.id ?? i.orgId) === orgId);
  // An invitation to an org one already belongs to may be answered 202 without one (not to reveal membership).
  if (!mine) return { joined: false, line: 'invite 202, none pending' };
  const accept = await send(r, invitee, 'POST', `/api/invitations/${mine.id}/accept`);
  expectKnown(accept, 'accept', [200, 201, 204, 404, 409, 410]);
  return { joined: accept.status < 300, line: `invite 202, accept ${said(accept)}` };
}
