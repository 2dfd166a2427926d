/** Placeholder: built in this session by its owner. */
export function LibraryPage(_props: { params: Record<string, string>; query: URLSearchParams }) {
  return <h1>LibraryPage</h1>;
}
