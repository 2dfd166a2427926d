/**
 * The sharing and organisation API, one router per resource (orgs, members,
 * invitations, groups, grants, share links, the link holder's side, audit),
 * mounted together by edge/app.ts.
 */
import { apiRouter } from '../../api/router.ts';
import { auditRoutes } from './audit.ts';
import { grantRoutes } from './grants.ts';
import { groupMemberRoutes } from './group-members.ts';
import { groupRoutes } from './groups.ts';
import { invitationRoutes } from './invitations.ts';
import { orgInvitationRoutes } from './org-invitations.ts';
import { orgMemberRoutes } from './org-members.ts';
import { orgRoutes } from './orgs.ts';
import { shareLinkRoutes } from './share-links.ts';
import { shareRoutes } from './share.ts';

export const sharing = apiRouter()
  .route('/', orgRoutes)
  .route('/', orgMemberRoutes)
  .route('/', orgInvitationRoutes)
  .route('/', invitationRoutes)
  .route('/', groupRoutes)
  .route('/', groupMemberRoutes)
  .route('/', grantRoutes)
  .route('/', shareLinkRoutes)
  .route('/', shareRoutes)
  .route('/', auditRoutes);
