// Setup file: each test file removes the temporary folders it made.
import { afterAll } from 'vitest';
import { removeTemporaryFolders } from './temporary.js';

afterAll(removeTemporaryFolders);
