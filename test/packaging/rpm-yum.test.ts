/** The yum flavour of the .rpm (see support/rpm-suite.ts). */
import { rpmSuite } from './support/rpm-suite.js';

rpmSuite('yum');
