/** Placeholder: built in this session by its owner. */
export function CollectionPage(_props: { params: Record<string, string>; query: URLSearchParams }) {
  return <h1>CollectionPage</h1>;
}
