import { mount } from 'svelte';
import App from './App.svelte';
import StartupFailure from './StartupFailure.svelte';
import { commands } from './lib/api';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('#app mangler');

// A desk that could not be opened (a missing key, an unreadable folder) says why, and nothing else
// is shown: every other screen needs the desk.
commands.startupFailure().then((failure) => {
  if (failure) mount(StartupFailure, { target, props: { failure } });
  else mount(App, { target });
});
