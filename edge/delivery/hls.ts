/**
 * HLS playlists served under a media token: a player resolves the URIs in a
 * playlist against the playlist's URL *without its query*, so `?t=` would be
 * lost on every segment. The edge therefore appends the token to each
 * relative URI (segment lines and `URI="..."` attributes). Absolute URIs are
 * left alone. The token must cover the whole `hls/` prefix; the verifier
 * still checks every segment request against the token's scope.
 */

const URI_ATTR = /URI="([^"]*)"/g;

const isRelative = (uri: string) => uri !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(uri) && !uri.startsWith('//');

function withToken(uri: string, token: string): string {
  if (!isRelative(uri)) return uri;
  const hash = uri.indexOf('#');
  const [path, frag] = hash === -1 ? [uri, ''] : [uri.slice(0, hash), uri.slice(hash)];
  return `${path}${path.includes('?') ? '&' : '?'}t=${encodeURIComponent(token)}${frag}`;
}

/** Rewrites every relative URI of an M3U8 playlist to carry `t=<token>`. */
export function addTokenToPlaylist(playlist: string, token: string): string {
  if (!playlist.startsWith('#EXTM3U')) throw new TypeError('not an M3U8 playlist');
  return playlist
    .split(/(\r?\n)/)
    .map((line) => {
      if (line === '\n' || line === '\r\n') return line;
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#')) return line.replace(URI_ATTR, (_, uri: string) => `URI="${withToken(uri, token)}"`);
      return withToken(trimmed, token);
    })
    .join('');
}

export const isPlaylist = (variant: string) => variant.endsWith('.m3u8');
