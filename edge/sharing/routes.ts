/**
 * The sharing and organisation API, one router per resource (orgs, members,
 * invitations, groups, grants, share links, the link holder's side, audit),
 * mounted together by edge/app.ts.
 */
import { apiRouter } from '../api/router.ts';
import { auditRoutes } from './audit.routes.ts';
import { grantRoutes } from './grants.routes.ts';
import { groupMemberRoutes } from './group-members.routes.ts';
import { groupRoutes } from './groups.routes.ts';
import { invitationRoutes } from './invitations.routes.ts';
import { orgInvitationRoutes } from './org-invitations.routes.ts';
import { orgMemberRoutes } from './org-members.routes.ts';
import { orgRoutes } from './orgs.routes.ts';
import { shareLinkRoutes } from './share-links.routes.ts';
import { shareRoutes } from './share.routes.ts';

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
