/** Placeholder: built in this session by its owner. */
export function SearchPage(_props: { params: Record<string, string>; query: URLSearchParams }) {
  return <h1>SearchPage</h1>;
}
