// The privacy notice (web/privacy.html): static text; only the top bar's
// account corner is live.
import { boot } from '../app.js';

boot();
