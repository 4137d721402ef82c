/**
 * The built-in catalog: a few service offerings and request offerings of a
 * company service desk, until management packs publish theirs (see
 * catalog-source.ts). Static data; the same for every user.
 */
import type { Catalog, CatalogSource } from './catalog-source.js';

const CATALOG: Catalog = {
  serviceOfferings: [
    {
      id: 'accounts',
      title: 'Accounts and access',
      description: 'Access to applications, shares and groups.',
    },
    { id: 'hardware', title: 'Hardware', description: 'Laptops, monitors, phones and accessories.' },
    { id: 'software', title: 'Software', description: 'Installing and licensing applications.' },
  ],
  requestOfferings: [
    {
      id: 'access-request',
      title: 'Request access to an application',
      description: 'Ask for access to a business application; your manager may be asked to approve.',
      serviceOffering: 'accounts',
      priority: 3,
      questions: [
        { id: 'application', label: 'Application', type: 'text', required: true, max: 200 },
        {
          id: 'level',
          label: 'Access level',
          type: 'choice',
          required: true,
          choices: ['Read', 'Read and write', 'Administrator'],
        },
        { id: 'reason', label: 'Why do you need it?', type: 'long-text', required: true, max: 2000 },
      ],
    },
    {
      id: 'new-laptop',
      title: 'New laptop',
      description: 'A laptop for a new colleague or to replace an old one.',
      serviceOffering: 'hardware',
      priority: 3,
      questions: [
        {
          id: 'model',
          label: 'Model',
          type: 'choice',
          required: true,
          choices: ['Standard 14"', 'Developer 16"'],
        },
        { id: 'neededBy', label: 'Needed by', type: 'date', required: true },
        { id: 'replacement', label: 'Does it replace a laptop?', type: 'yes-no', required: true },
        { id: 'notes', label: 'Notes', type: 'long-text', required: false, max: 2000 },
      ],
    },
    {
      id: 'software-install',
      title: 'Install software',
      description: 'Install a licensed application on your computer.',
      serviceOffering: 'software',
      priority: 4,
      questions: [
        { id: 'software', label: 'Software name', type: 'text', required: true, max: 200 },
        { id: 'seats', label: 'Number of licences', type: 'number', required: true, min: 1, max: 50 },
        { id: 'computer', label: 'Computer name', type: 'text', required: false, max: 100 },
      ],
    },
  ],
};

export const builtInCatalog: CatalogSource = {
  async catalog() {
    return CATALOG;
  },
};
