/**
 * HLS playlists that a player must follow without cookies or headers: a
 * player resolves the URIs in a playlist against the playlist's URL
 * *without its query*, so a credential given as a query parameter would be
 * lost on every rendition and segment. The edge therefore appends it to each
 * relative URI (URI lines and `URI="..."` attributes): the media token `t=`
 * under `/m/`, the share-link unlock `u=` under `/s/`. Absolute URIs are left
 * alone. Each request is still checked on its own: the token's scope, the
 * unlock's link and password.
 */

const URI_ATTR = /URI="([^"]*)"/g;

const isRelative = (uri: string) => uri !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(uri) && !uri.startsWith('//');

/** `name=value&...`, each part URL-encoded (nothing a playlist line could break on). */
export const queryOf = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

/** Appends an encoded query to a relative URI (before its fragment); absolute URIs are left alone. */
export function withQuery(uri: string, query: string): string {
  if (!isRelative(uri)) return uri;
  const hash = uri.indexOf('#');
  const [path, frag] = hash === -1 ? [uri, ''] : [uri.slice(0, hash), uri.slice(hash)];
  return `${path}${path.includes('?') ? '&' : '?'}${query}${frag}`;
}

/** Rewrites every relative URI of an M3U8 playlist to carry the given query parameters. */
export function addParamsToPlaylist(playlist: string, params: Record<string, string>): string {
  if (!playlist.startsWith('#EXTM3U')) throw new TypeError('not an M3U8 playlist');
  const query = queryOf(params);
  if (query === '') return playlist;
  return playlist
    .split(/(\r?\n)/)
    .map((line) => {
      if (line === '\n' || line === '\r\n') return line;
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#')) return line.replace(URI_ATTR, (_, uri: string) => `URI="${withQuery(uri, query)}"`);
      return withQuery(trimmed, query);
    })
    .join('');
}

/** Rewrites every relative URI of an M3U8 playlist to carry `t=<token>`. */
export const addTokenToPlaylist = (playlist: string, token: string): string => addParamsToPlaylist(playlist, { t: token });

export const isPlaylist = (variant: string) => variant.endsWith('.m3u8');
