/** Placeholder: built in this session by its owner. */
export function UploadPage(_props: { params: Record<string, string>; query: URLSearchParams }) {
  return <h1>UploadPage</h1>;
}
