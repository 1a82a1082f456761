//! Everything a sync needs, built once from the configuration: the Grafana client, the
//! grafana.com catalog, where the sources live, and what the managed datasource and folder are.

use grafana_client::{Catalog, Client};
use kiosk_config::Config;

use crate::Error;
use crate::report::{Entry, Report};
use crate::sources::{self, Layout, Lock, Managed, Sources};
use crate::sync::{self, DatasourceSpec, FolderSpec, Options};

#[derive(Debug, Clone)]
pub struct Provisioner {
    pub client: Client,
    pub catalog: Catalog,
    pub layout: Layout,
    pub datasource: DatasourceSpec,
    pub folder: FolderSpec,
}

impl Provisioner {
    pub fn new(config: &Config) -> Result<Provisioner, Error> {
        let client = Client::new(&config.grafana)?;
        let catalog = Catalog::new(
            &config.provision.grafana_com_url,
            config.grafana.timeout,
            config.grafana.retries,
        )?;
        Ok(Provisioner {
            client,
            catalog,
            layout: Layout::new(&config.provision.dashboards_dir, &config.cache.dir),
            datasource: DatasourceSpec {
                name: config.datasource.name.clone(),
                uid: config.datasource.uid.clone(),
                url: config.datasource.url.as_ref().map(|u| u.to_string()),
                scrape_interval: config.datasource.scrape_interval,
            },
            folder: FolderSpec {
                uid: config.provision.folder_uid.clone(),
                title: config.provision.folder.clone(),
            },
        })
    }

    /// Reads, verifies and normalizes all sources (no Grafana request).
    pub async fn load_sources(&self) -> Result<Sources, Error> {
        let managed = Managed {
            datasource_uid: &self.datasource.uid,
            datasource_name: &self.datasource.name,
            default_folder_uid: &self.folder.uid,
        };
        sources::load(&self.layout, &managed, &self.catalog).await
    }

    /// Brings Grafana to the state the sources describe.
    pub async fn sync(
        &self,
        sources: &Sources,
        options: Options,
        on_entry: &mut dyn FnMut(&Entry),
    ) -> Result<Report, Error> {
        let mut folders = vec![self.folder.clone()];
        folders.extend(sources.folders.iter().map(|(uid, title)| FolderSpec {
            uid: uid.clone(),
            title: title.clone(),
        }));
        sync::sync(
            &self.client,
            &self.datasource,
            &folders,
            sources,
            options,
            on_entry,
        )
        .await
    }

    /// Downloads the pinned vendor revisions and rewrites the lock.
    pub async fn relock(&self) -> Result<Lock, Error> {
        sources::relock(&self.layout, &self.catalog).await
    }
}
