/** Placeholder: built in this session by its owner. */
export function TrashPage(_props: { params: Record<string, string>; query: URLSearchParams }) {
  return <h1>TrashPage</h1>;
}
