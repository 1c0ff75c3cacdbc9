/** Where the examples find the gateway of `npm start` (demo mode). `?gw=host:port` in the page URL overrides. */
const gw = new URLSearchParams(location.search).get('gw') ?? `${location.hostname}:3100`;

/** Client options shared by the three examples. */
export const options = {
  url: `ws://${gw}/rt`,
  auth: `http://${gw}/rt/ticket`, // demo only: a real app's backend signs tickets for its logged-in user
  scopes: ['ops.admin', 'liveops.admin'],
};
