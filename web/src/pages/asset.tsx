/** Placeholder: built in this session by its owner. */
export function AssetPage(_props: { params: Record<string, string>; query: URLSearchParams }) {
  return <h1>AssetPage</h1>;
}
