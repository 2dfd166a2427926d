/** Placeholder: built in this session by its owner. */
export function SharePage(_props: { params: Record<string, string>; query: URLSearchParams }) {
  return <h1>SharePage</h1>;
}
