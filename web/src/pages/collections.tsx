/** Placeholder: built in this session by its owner. */
export function CollectionsPage(_props: { params: Record<string, string>; query: URLSearchParams }) {
  return <h1>CollectionsPage</h1>;
}
