/** Placeholder: built in this session by its owner. */
export function OrgsPage(_props: { params: Record<string, string>; query: URLSearchParams }) {
  return <h1>OrgsPage</h1>;
}
