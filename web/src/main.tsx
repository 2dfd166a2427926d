import { render } from 'preact';
import './styles/base.css';
import { App } from './app.tsx';

render(<App />, document.getElementById('app')!);
